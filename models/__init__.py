"""Tortoise models, their migrations, and the domain's rules (`models.rules`).

Two things to know before changing a model:
- Run `.venv/bin/tortoise makemigrations --name what_changed` and commit the migration;
  tests/test_migrations.py fails while the models and the migrations disagree.
- A model's docstring becomes its table comment inside the migration's SQL: keep `;` and `'`
  out of it (SQLite's migration statements are split on `;` and quoted with `'`).
"""
