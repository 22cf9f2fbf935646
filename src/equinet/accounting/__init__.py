"""The accounting link: a provider's Fortnox connection and the invoices of paid bookings."""
