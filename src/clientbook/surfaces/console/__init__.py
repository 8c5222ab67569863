"""The staff console at ``/console``: the customer book in a browser, on the services."""
