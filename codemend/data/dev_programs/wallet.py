class Wallet:
    """A balance with the history of what changed it."""

    def __init__(self, owner, balance=0):
        self.owner = owner
        self.balance = balance
        self.history = []

    def deposit(self, amount):
        """Add amount (positive) and return the new balance."""
        if amount <= 0:
            raise ValueError("a deposit must be positive")
        self.balance += amount
        self.history.append(("deposit", amount))
        return self.balance

    def withdraw(self, amount):
        """Take amount out, never more than the balance, and return the new balance."""
        if amount <= 0 or amount > self.balance:
            raise ValueError("cannot withdraw %r" % amount)
        self.balance -= amount
        self.history.append(("withdraw", amount))
        return self.balance


# --- tests ---
wallet = Wallet("ada", 10)
assert wallet.deposit(5) == 15
assert wallet.withdraw(12) == 3
assert wallet.history == [("deposit", 5), ("withdraw", 12)]
try:
    wallet.withdraw(4)
    raise AssertionError("overdrawn")
except ValueError:
    pass
assert wallet.balance == 3
assert Wallet("bo").balance == 0
assert Wallet("cy", 1).withdraw(1) == 0
