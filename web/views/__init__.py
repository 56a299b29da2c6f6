"""The staff pages, one module per area; each view validates, calls a service or a
selector, and renders."""
