"""The operator dashboard: a static page (HTML, CSS, plain JS, no build step) served by the
HTTP API at ``/dashboard``, talking to the same API with an operator token."""
