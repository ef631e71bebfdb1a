"""Test harness: run the program under Pulumi mocks that behave like the engine and the clusters."""
