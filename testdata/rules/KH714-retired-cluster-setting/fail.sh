# scan: --as-of 2028-02-01
set -euo pipefail

# Two months before kubenet's end of support: a warning.
az aks create \
  --resource-group myResourceGroup \
  --name myAKSCluster \
  --kubernetes-version 1.32 \
  --network-plugin kubenet \
  --network-policy calico \
  --generate-ssh-keys

# Windows Server 2019 on 1.33: AKS refuses the pool.
az aks nodepool add \
  --resource-group myResourceGroup \
  --cluster-name myAKSCluster \
  --name win19 \
  --os-type Windows \
  --os-sku Windows2019 \
  --kubernetes-version 1.33
