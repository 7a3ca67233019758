"""The local Katib: ``ideko tune`` runs a Katib Experiment manifest's trials on this machine."""
