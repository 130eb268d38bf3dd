"""The service layer: owns transactions, the append-only log and the task lifecycle."""
