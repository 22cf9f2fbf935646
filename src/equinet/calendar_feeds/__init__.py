"""Calendar feeds: each user's secret iCal URL of their bookings, and a booking's .ics file."""
