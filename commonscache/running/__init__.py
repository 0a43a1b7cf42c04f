"""Running: the command line and its options, the Pywikibot bot, the sweep that moves
batches through the stages, the watch, reviewers' decisions carried out, `-check`."""
