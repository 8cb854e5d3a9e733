class InsufficientFunds(Exception):
    """A withdrawal or transfer larger than the balance."""


class BankAccount:
    """A balance in integer cents and the history of (kind, amount) operations on it."""

    def __init__(self, owner, balance=0):
        self.owner = owner
        self.balance = balance
        self.history = []

    def deposit(self, amount):
        if amount <= 0:
            raise ValueError("deposits must be positive")
        self.balance += amount
        self.history.append(("deposit", amount))

    def withdraw(self, amount):
        if amount <= 0:
            raise ValueError("withdrawals must be positive")
        if amount > self.balance:
            raise InsufficientFunds(f"{self.owner} has {self.balance}, needs {amount}")
        self.balance -= amount
        self.history.append(("withdraw", amount))

    def transfer(self, other, amount):
        self.withdraw(amount)
        other.deposit(amount)


# --- tests ---
alice = BankAccount("alice")
bob = BankAccount("bob", 500)
assert alice.balance == 0 and bob.balance == 500 and alice.history == [] and bob.history == []
alice.deposit(1000)
alice.withdraw(300)
assert alice.balance == 700
assert alice.history == [("deposit", 1000), ("withdraw", 300)]
assert bob.history == []
alice.withdraw(700)
assert alice.balance == 0
for bad in (0, -5):
    for method in (alice.deposit, alice.withdraw):
        try:
            method(bad)
        except ValueError:
            pass
        else:
            raise AssertionError(f"amount {bad} should be rejected")
try:
    alice.withdraw(1)
except InsufficientFunds:
    pass
else:
    raise AssertionError("overdraft should raise InsufficientFunds")
bob.transfer(alice, 200)
assert bob.balance == 300 and alice.balance == 200
assert bob.history == [("withdraw", 200)]
try:
    bob.transfer(alice, 301)
except InsufficientFunds:
    pass
else:
    raise AssertionError("transfer beyond the balance should fail")
assert bob.balance == 300 and alice.balance == 200
assert alice.owner == "alice" and bob.owner == "bob"
bob.deposit(1)
assert bob.balance == 301 and bob.history[-1] == ("deposit", 1)
