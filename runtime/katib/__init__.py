"""The cluster side of Katib: reading an Experiment manifest, submitting it, its best trial."""
