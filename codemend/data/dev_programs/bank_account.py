class BankAccount:
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
account = BankAccount("ada", 10)
assert account.deposit(5) == 15
assert account.withdraw(12) == 3
assert account.history == [("deposit", 5), ("withdraw", 12)]
try:
    account.withdraw(4)
    raise AssertionError("overdrawn")
except ValueError:
    pass
assert account.balance == 3
assert BankAccount("bo").balance == 0
assert BankAccount("cy", 1).withdraw(1) == 0
