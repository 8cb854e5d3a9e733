def primes_up_to(n):
    """All primes <= n in ascending order (sieve of Eratosthenes)."""
    if n < 2:
        return []
    is_prime = [True] * (n + 1)
    is_prime[0] = is_prime[1] = False
    for p in range(2, int(n ** 0.5) + 1):
        if is_prime[p]:
            for multiple in range(p * p, n + 1, p):
                is_prime[multiple] = False
    return [i for i, flag in enumerate(is_prime) if flag]


# --- tests ---
assert primes_up_to(-3) == []
assert primes_up_to(0) == []
assert primes_up_to(1) == []
assert primes_up_to(2) == [2]
assert primes_up_to(3) == [2, 3]
assert primes_up_to(4) == [2, 3]
assert primes_up_to(10) == [2, 3, 5, 7]
assert primes_up_to(25) == [2, 3, 5, 7, 11, 13, 17, 19, 23]
assert primes_up_to(49)[-1] == 47
assert primes_up_to(30) == [2, 3, 5, 7, 11, 13, 17, 19, 23, 29]
assert len(primes_up_to(100)) == 25
assert len(primes_up_to(1000)) == 168
assert 121 not in primes_up_to(121) and 169 not in primes_up_to(170)
