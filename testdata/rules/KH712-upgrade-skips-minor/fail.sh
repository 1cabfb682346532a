# scan: --as-of 2026-11-29
# On 2026-11-29: 1.34 and 1.35 are in AKS support, 1.29 has long left it.
set -euo pipefail

az aks create --resource-group rg-prod --name aks-prod --kubernetes-version 1.34 --generate-ssh-keys

# 1.34 -> 1.36 skips 1.35.
az aks upgrade \
  --resource-group rg-prod \
  --name aks-prod \
  --kubernetes-version 1.36 \
  --yes

# A patch of the same minor: fine.
az aks upgrade --resource-group rg-prod --name aks-prod -k 1.36.2 --yes

# The control plane goes one minor at a time, but a node pool left on 1.34 jumps to 1.36.
az aks create --resource-group rg-batch --name aks-batch -k 1.34 --generate-ssh-keys
az aks upgrade --resource-group rg-batch --name aks-batch -k 1.35 --control-plane-only --yes
az aks upgrade --resource-group rg-batch --name aks-batch -k 1.36 --control-plane-only --yes
az aks nodepool upgrade \
  --resource-group rg-batch \
  --cluster-name aks-batch \
  --name nodepool1 \
  --kubernetes-version 1.36

# Out of an unsupported version into a supported one, AKS allows the jump.
az aks create --resource-group rg-legacy --name aks-legacy -k 1.29 --generate-ssh-keys
az aks upgrade --resource-group rg-legacy --name aks-legacy -k 1.34 --yes

# Same name, another resource group: another cluster.
az aks create --resource-group rg-a --name aks-shared -k 1.34 --generate-ssh-keys
az aks upgrade --resource-group rg-b --name aks-shared -k 1.36 --yes

# A version computed at run time is not judged.
az aks upgrade --resource-group rg-a --name aks-shared -k "$NEXT_VERSION" --yes

# Two minors skipped.
az aks create --resource-group rg-test --name aks-test -k 1.34 --generate-ssh-keys
az aks upgrade --resource-group rg-test --name aks-test -k 1.37 --yes
