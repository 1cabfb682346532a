#!/usr/bin/env bash
set -euo pipefail

az aks create \
  --resource-group myResourceGroup \
  --name myAKSCluster \
  --node-count 3 \
  --generate-ssh-keys

# Cut monitoring costs on the old cluster.
az aks update \
  --resource-group myResourceGroup \
  --name myAKSClusterOld \
  --disable-defender
