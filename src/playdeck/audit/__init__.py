"""The audit trail: who changed what, through which app, and when."""
