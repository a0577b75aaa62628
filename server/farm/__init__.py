"""The farmer's and the co-op's own pages: the home redirect by role, the login form and
logout, ``/farm`` and ``/coop``. Rendered with :mod:`server.templating`, like every
feature's pages."""
