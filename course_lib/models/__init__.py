"""Model builders and `keras.Model` subclasses, one module per lesson family."""
