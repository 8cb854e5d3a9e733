class Inventory:
    """Stock of named items, each with a quantity and a unit price."""

    def __init__(self):
        """Start with no items."""
        self.items = {}

    def add(self, name, quantity, price):
        """Add quantity units of name at unit price (the latest price wins).

        Raises ValueError for a non-positive quantity or a negative price.
        """
        if quantity <= 0:
            raise ValueError("quantity must be positive")
        if price < 0:
            raise ValueError("price must not be negative")
        stock = self.items.get(name, (0, price))[0]
        self.items[name] = (stock + quantity, price)

    def remove(self, name, quantity):
        """Remove quantity units of name; the item disappears at zero stock.

        Raises KeyError for an unknown item and ValueError for a
        non-positive quantity or more units than are in stock.
        """
        if name not in self.items:
            raise KeyError(name)
        if quantity <= 0:
            raise ValueError("quantity must be positive")
        stock, price = self.items[name]
        if quantity > stock:
            raise ValueError("not enough %s in stock" % name)
        if quantity == stock:
            del self.items[name]
        else:
            self.items[name] = (stock - quantity, price)

    def total_value(self):
        """Sum of quantity * unit price over all items."""
        return sum(stock * price for stock, price in self.items.values())


# --- tests ---
inv = Inventory()
assert inv.total_value() == 0
inv.add("apple", 3, 2)
inv.add("pear", 1, 5)
assert inv.items == {"apple": (3, 2), "pear": (1, 5)}
assert inv.total_value() == 11
inv.add("apple", 2, 4)
assert inv.items["apple"] == (5, 4)
assert inv.total_value() == 25
inv.add("free", 1, 0)
assert inv.items["free"] == (1, 0)
inv.remove("apple", 1)
assert inv.items["apple"] == (4, 4)
assert inv.total_value() == 21
inv.remove("pear", 1)
assert "pear" not in inv.items
try:
    inv.remove("pear", 1)
except KeyError:
    pass
else:
    assert False, "unknown item must raise KeyError"
try:
    inv.remove("ghost", 0)
except KeyError:
    pass
else:
    assert False, "unknown item must raise KeyError before checking quantity"
try:
    inv.remove("apple", 5)
except ValueError:
    pass
else:
    assert False, "removing too many must raise ValueError"
assert inv.items["apple"] == (4, 4)
inv.remove("apple", 4)
assert "apple" not in inv.items
try:
    inv.remove("free", 0)
except ValueError:
    pass
else:
    assert False, "zero removal must raise ValueError"
try:
    inv.add("nut", 0, 1)
except ValueError:
    pass
else:
    assert False, "zero quantity must raise ValueError"
try:
    inv.add("nut", 1, -1)
except ValueError:
    pass
else:
    assert False, "negative price must raise ValueError"
assert "nut" not in inv.items
assert inv.total_value() == 0
