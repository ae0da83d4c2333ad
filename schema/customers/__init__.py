"""A customer's data, for its own admins and for partner agents acting on its behalf."""
