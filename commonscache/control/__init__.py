"""The control pages on the shared repository: the run page (anyone may stop the bot),
the request page, the rule page, as their trusted users left them."""
