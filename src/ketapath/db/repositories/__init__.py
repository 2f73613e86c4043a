"""All SQL lives here: one repository module per aggregate."""
