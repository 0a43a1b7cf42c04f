"""Pure decisions: what to do with a file, when a flag opens and closes, which reviewer's
decision settles which flag. Data in, data out; no reads, no writes."""
