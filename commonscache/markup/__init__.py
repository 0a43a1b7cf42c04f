"""Wikitext from strangers, read within bounds: licences and authors, structured data,
the transfer rules."""
