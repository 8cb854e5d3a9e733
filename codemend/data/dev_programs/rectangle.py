from collections import namedtuple


class Rectangle(namedtuple("Rectangle", ["left", "bottom", "width", "height"])):
    """Axis-aligned rectangle given by its lower-left corner and its size."""

    def area(self):
        """Area covered by the rectangle."""
        return self.width * self.height

    def perimeter(self):
        """Length of the boundary."""
        return 2 * (self.width + self.height)

    def contains(self, x, y):
        """True when point (x, y) lies inside the rectangle or on its boundary."""
        inside_x = self.left <= x <= self.left + self.width
        inside_y = self.bottom <= y <= self.bottom + self.height
        return inside_x and inside_y

    def intersects(self, other):
        """True when the two rectangles overlap with positive area (touching is not enough)."""
        if self.left + self.width <= other.left or other.left + other.width <= self.left:
            return False
        if self.bottom + self.height <= other.bottom or other.bottom + other.height <= self.bottom:
            return False
        return True


# --- tests ---
r = Rectangle(1, 2, 4, 3)
assert r.area() == 12
assert r.perimeter() == 14
assert Rectangle(0, 0, 0, 5).area() == 0 and Rectangle(0, 0, 0, 5).perimeter() == 10
assert r.contains(1, 2) and r.contains(5, 5)
assert r.contains(4.5, 4.5) and r.contains(3, 2)
assert not r.contains(0.9, 3) and not r.contains(5.1, 3)
assert not r.contains(3, 1.9) and not r.contains(3, 5.1)
assert not r.contains(4.5, 0) and not r.contains(0, 4.5)
assert r.intersects(Rectangle(4, 4, 5, 5))
assert r.intersects(Rectangle(2, 3, 1, 1)) and Rectangle(2, 3, 1, 1).intersects(r)
assert r.intersects(Rectangle(0, 0, 10, 10))
assert not r.intersects(Rectangle(5, 2, 2, 2))
assert not r.intersects(Rectangle(-1, 2, 2, 2))
assert not r.intersects(Rectangle(1, 5, 4, 1))
assert not r.intersects(Rectangle(1, 1, 4, 1))
assert r.intersects(Rectangle(4.5, 1, 3, 1.5)) and r.intersects(Rectangle(0, 4.5, 1.5, 3))
assert not r.intersects(Rectangle(6, 6, 1, 1))
