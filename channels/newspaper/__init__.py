"""The newspaper channel (报): NewsML-G2 print packages dropped into hot folders."""
