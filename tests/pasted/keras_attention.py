import keras
from keras import layers

inputs = keras.Input(shape=(20,))
x = layers.Embedding(1000, 64)(inputs)
a = layers.MultiHeadAttention(num_heads=2, key_dim=32)(x, x)
x = layers.LayerNormalization()(x + a)
x = layers.GlobalAveragePooling1D()(x)
x = layers.Dense(16)(x)
x = layers.Softmax()(x)
outputs = layers.Dense(2, activation="softmax")(x)
model = keras.Model(inputs, outputs)
