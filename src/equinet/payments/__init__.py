"""Payments of bookings: the demo gateway, gap-free invoice numbers, receipts (HTML and PDF)."""
