"""The recorder and the recordings library (a later issue): a subscriber of the media plane."""
