"""GitHub I/O: the REST client and publishing a review to a pull request."""
