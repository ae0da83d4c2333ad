"""The ground floor: what every layer needs and nothing of the project's own beneath it.

Settings, the public ID codec, the domain's refusals, the clock, the request's context
(its id and client address) and the Standard Webhooks signing protocol. Modules here import
only the standard library and third-party packages.
"""
