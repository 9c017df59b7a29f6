// The run torch-ddp.test.ts trains twice, with shapeseg (torch-ddp-worker.ts) and with torch's DDP under torchrun
// (TORCH_DDP_PY): its hyper-parameters, and the Python side.

/** Hyper-parameters both sides use: per-rank batch of SIZE×SIZE images, SGD with momentum, conv weights decayed. */
export const DDP_RUN = { numClasses: 3, size: 32, batchSize: 2, steps: 2, lr: 0.05, momentum: 0.9, weightDecay: 1e-4 } as const;

/**
 * torch DDP on the same model, data and optimizer: `torchrun --nproc_per_node N this.py DIR OUT.pth LOSSES.json`. Rank
 * 0 writes the final state dict to OUT.pth and the per-step losses (mean over ranks) to LOSSES.json.
 */
export const TORCH_DDP_PY = String.raw`
import json, sys, torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel
from torchvision.models.segmentation import deeplabv3_resnet50

R = json.loads('${JSON.stringify(DDP_RUN)}')
torch.set_num_threads(1)
dist.init_process_group('gloo')
rank, world = dist.get_rank(), dist.get_world_size()
d, out_file, losses_file = sys.argv[1:4]

model = deeplabv3_resnet50(weights=None, weights_backbone=None, num_classes=R['numClasses'], aux_loss=True)
model.load_state_dict(torch.load(d + '/init.pth'), strict=True)
model.train()
for m in model.modules():
    if isinstance(m, torch.nn.Dropout):
        m.eval()
ddp = DistributedDataParallel(model)
# shapeseg's SGD.forParameters groups: weight decay on conv weights only
params = list(model.parameters())
opt = torch.optim.SGD([{'params': [p for p in params if p.dim() == 4], 'weight_decay': R['weightDecay']},
                       {'params': [p for p in params if p.dim() != 4], 'weight_decay': 0.0}],
                      lr=R['lr'], momentum=R['momentum'])
batch = torch.load(d + '/batch.pth')
mean = torch.tensor([0.485, 0.456, 0.406]).view(3, 1, 1)
std = torch.tensor([0.229, 0.224, 0.225]).view(3, 1, 1)
b, losses = R['batchSize'], []
for step in range(R['steps']):
    first = (step * world + rank) * b
    x = batch['images'][first:first + b].float().div(255).sub(mean).div(std)
    y = batch['labels'][first:first + b]
    opt.zero_grad()
    o = ddp(x)
    loss = F.cross_entropy(o['out'], y, ignore_index=255) + 0.5 * F.cross_entropy(o['aux'], y, ignore_index=255)
    loss.backward()
    opt.step()
    total = loss.detach().clone()
    dist.all_reduce(total)
    losses.append(total.item() / world)
if rank == 0:
    torch.save(model.state_dict(), out_file)
    with open(losses_file, 'w') as f:
        json.dump(losses, f)
dist.destroy_process_group()
`;
