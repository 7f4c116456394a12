"""Airline task scenarios by what the customer wants: booking, cancelling, changing, and service (questions,
disruptions, transfers, several requests at once). Each returns task records; tasks.py runs them in order."""
