"""`agentpay bench shoppers`: scripted shopper conversations over the HTTP API, judged by
the state they end in (cart, checkout) and by what the agent showed or said.

The task format is the one of `../shared/shopper-tasks/README.md`; this is the project's
own reading of it:

- `tasks`: the task file (one JSON object a line), validated;
- `vocabulary`: the judge's sizes and colour families (data files in `data/`);
- `constraints`: does a product, or a cart line, satisfy a task's `match`;
- `catalog`: the catalog and the agent's discount rules, read with the secret key;
- `client`: JSON over HTTP, 429s waited out;
- `runner`: one conversation per task, each turn with a `client_message_id`;
- `transcript`: what each turn returned (reply, products, cart, checkouts, offers);
- `references`, `facts`, `checks`: one function per reference, fact and check kind;
- `judge`: void, pass or fail per task;
- `stack`: a fresh dev stack with the demo store, once its catalog is indexed;
- `bench`: the command.

It is a tool beside the engine: nothing here is imported by the handlers.
"""
