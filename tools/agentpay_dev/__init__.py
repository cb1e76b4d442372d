"""AgentPay's developer tools: the `agentpay` command, the local stack, the demo store,
benchmarks and load tests. They import `agentpay`; the Lambda layer ships `agentpay` alone."""
