"""A partner's security groups of its agents, and the granted roles assigned to them."""
