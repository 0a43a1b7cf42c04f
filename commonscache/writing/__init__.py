"""Writing copies: the page a copy gets (description, provenance template), uploads by URL
or streamed, and the act stage that carries out each verdict."""
