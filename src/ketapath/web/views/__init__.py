"""Server-rendered views, one module per area; they parse, call services and render."""
