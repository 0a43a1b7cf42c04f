"""The wikis and the client's manners: the consumer, shared and source sites, Wikimedia's
limits and the pacing within them, batched API reads, downloads, and every change made to
what Pywikibot does."""
