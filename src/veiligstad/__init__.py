"""veiligstad."""
