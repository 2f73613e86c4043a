"""The clinic web app: server-rendered HTML on the same services as the API."""
