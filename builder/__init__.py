"""The top layer that composes the others: the campaign builder (organizers' pages and API) and campaign files."""
