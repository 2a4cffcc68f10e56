"""Fused ops for the layers: each is one ``Op`` whose forward works on raw arrays in a single pass.

``course.nn.functional`` calls these where doing the whole computation at once is faster or more
stable than chaining tensor ops (linear, convolution, pooling, softmax). Their backward is still
written with tensor ops (often another fused op), so double backward works.
"""
