"""Plain HTTP clients for the outside world: typed results, no ORM."""
