"""Airline task scenarios by what the customer wants: booking, cancelling, changing, service (questions,
disruptions, transfers, several requests at once), several changes in one conversation (multi), and
customers who push for what the policy refuses (pressure). Each returns task records; tasks.py runs
them in order and puts in the customer texts written in ../texts/."""
