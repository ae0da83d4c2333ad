"""Single sign-on: an organization's identity provider, its configuration and who uses it."""
