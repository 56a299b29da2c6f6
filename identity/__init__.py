"""Staff identity: single sign-on through OpenID Connect, a second factor for local
passwords, sessions that end after an idle period, and a log of every sign-in."""
