"""Starting and stopping the local engine's child processes: tasks of a run, trials of a tune."""
