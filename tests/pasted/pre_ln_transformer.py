import torch.nn as nn


class Block(nn.Module):
    """A pre-LN transformer block with PyTorch's own attention."""

    def __init__(self, d=64, h=4):
        super().__init__()
        self.ln1 = nn.LayerNorm(d)
        self.attn = nn.MultiheadAttention(d, h, batch_first=True)
        self.ln2 = nn.LayerNorm(d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

    def forward(self, x):
        y = self.ln1(x)
        a, _ = self.attn(y, y, y, need_weights=False)
        x = x + a
        return x + self.mlp(self.ln2(x))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(100, 64)
        self.blocks = nn.Sequential(*[Block() for _ in range(2)])
        self.head = nn.Linear(64, 100)

    def forward(self, idx):
        return self.head(self.blocks(self.emb(idx)))


model = Net()
