"""AgentPay: an AI sales agent for online stores."""

__version__ = "0.1.0"
