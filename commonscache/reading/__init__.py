"""Reading both sides: the files pages use and where the consumer finds them, the
source and the shared repository in batches, and one batch's stages (the pipeline)."""
