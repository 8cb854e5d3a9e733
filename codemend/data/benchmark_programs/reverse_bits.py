def reverse_bits(value, width=8):
    """The lowest width bits of value in reverse order."""
    result = 0
    for _ in range(width):
        result = (result << 1) | (value & 1)
        value >>= 1
    return result


# --- tests ---
assert reverse_bits(0) == 0
assert reverse_bits(1) == 128
assert reverse_bits(128) == 1
assert reverse_bits(0b00000110) == 0b01100000
assert reverse_bits(0b10110000) == 0b00001101
assert reverse_bits(255) == 255
assert reverse_bits(1, width=1) == 1
assert reverse_bits(1, width=4) == 8
assert reverse_bits(0b0011, width=4) == 0b1100
assert reverse_bits(0b1, width=16) == 0x8000
assert reverse_bits(0x1FF, width=8) == 0xFF
assert reverse_bits(5, width=3) == 5
assert reverse_bits(6, width=3) == 3
assert reverse_bits(0b1101, width=0) == 0
