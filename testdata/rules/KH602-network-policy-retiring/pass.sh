#!/usr/bin/env bash
set -euo pipefail

az aks create \
  --resource-group myResourceGroup \
  --name myAKSCluster \
  --enable-managed-identity \
  --network-plugin azure \
  --network-plugin-mode overlay \
  --network-dataplane cilium \
  --network-policy cilium \
  --generate-ssh-keys

az aks create \
  --resource-group myResourceGroup \
  --name myAKSClusterWin \
  --network-plugin azure \
  --network-policy calico \
  --generate-ssh-keys

# Move an existing cluster from Azure Network Policy Manager to Cilium.
az aks update \
  --resource-group myResourceGroup \
  --name myAKSClusterOld \
  --network-dataplane cilium \
  --network-policy cilium
